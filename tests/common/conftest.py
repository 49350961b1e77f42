"""Fixtures for the kernel's tests."""
