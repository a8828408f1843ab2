"""Work queues: claim, lease, submit, release, skip and expire assignments."""
