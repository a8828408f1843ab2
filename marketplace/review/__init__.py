"""Review: per-language queues of sampled work and every edge case, reviewers' decisions, appeals."""
