"""BambooHR: the HRIS Baton reads workers from (API key auth, changed-since polling, signed webhooks)."""
