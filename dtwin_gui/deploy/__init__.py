"""Deployment orchestration: phases, typed events, SDK steps, status probes, destroy."""
