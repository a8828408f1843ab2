"""Use-cases that run several stages in order: the submit of an answer and what follows it.

A layer above review and below ops: it calls each stage's service in turn (routing, then gold
scoring, consensus and dynamic overlap, review intake, statistics), so no stage conducts the later
ones and every stage depends only on earlier ones.
"""
