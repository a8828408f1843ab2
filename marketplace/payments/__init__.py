"""Payments: rate cards, the double-entry ledger, client funding, payouts through Stripe Connect."""
