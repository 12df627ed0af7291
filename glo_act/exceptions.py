"""Exceptions the services raise that mean the same thing in every app."""


class StateConflict(Exception):
    """A step the object's current state does not allow (a referral's transition, an export request
    already decided): answered 409 by the API (glo_act.api.exception_handler)."""
