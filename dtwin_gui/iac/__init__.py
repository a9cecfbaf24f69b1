"""Terraform: root generation, the runner (subprocess, -json stream), state reading."""
