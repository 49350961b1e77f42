"""The orgs service: district → street → community, and the organizations that claim items."""
