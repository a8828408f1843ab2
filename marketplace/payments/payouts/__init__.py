"""Payouts: paying annotators' balances, through Stripe Connect transfers or by hand.

A subpackage of payments because a payout moves ledger money (payable → in flight → cash) and is
paid through the same Stripe gateway. Its modules follow the domain packages' roles:

* :mod:`~marketplace.payments.payouts.service`: the payout run (open payouts, send them to Stripe)
  and the state changes it books, exactly once whatever crashes on the way;
* :mod:`~marketplace.payments.payouts.reversals`: transfers reversed at Stripe or by ops;
* :mod:`~marketplace.payments.payouts.manual`: manual mode (the CSV of due payouts, marking paid);
* :mod:`~marketplace.payments.payouts.queries`: reads for the pages and the API;
* :mod:`~marketplace.payments.payouts.api` and :mod:`~marketplace.payments.payouts.views`: the web
  layer (JSON and HTML), which only parses, calls one service function and renders.
"""
