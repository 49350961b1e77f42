"""The people service: activity sessions, sign-up and check-in, volunteers and their hours, certificates, matching."""
