"""Optional behaviour over the pipeline: faults and delays, CORS, stateful mode and its store, the journal,
redaction of secrets, recordings."""
