"""Azure adapters of the neutral runtime core (Functions Python v2 model)."""
