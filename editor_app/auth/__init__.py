"""Login flows without widgets, tokens with expiry, and the token store."""
