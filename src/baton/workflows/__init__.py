"""Process APIs: one module per business flow, speaking canonical only."""
