"""What the client gets back: versioned deliveries of labels with their QA report, and the
webhooks that tell the client's systems when something is ready."""
