"""Use cases of the people service: sessions and attendance, volunteers and hours, matching."""

from services.people.handlers.base import PeopleHandlers

__all__ = ["PeopleHandlers"]
