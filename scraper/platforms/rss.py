"""Placeholder: adapter being written."""
