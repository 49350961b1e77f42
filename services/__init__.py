"""Renling's services: needs, claims and orgs, and the kernel they share (``common``)."""
