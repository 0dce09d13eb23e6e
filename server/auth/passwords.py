"""Password hashing with Argon2id (argon2-cffi), cost from the settings."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher():
    config = current_app.config
    return PasswordHasher(time_cost=config["PASSWORD_TIME_COST"], memory_cost=config["PASSWORD_MEMORY_KIB"])


def hash_password(password):
    return _hasher().hash(password)


def verify_password(stored_hash, password):
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the username is unknown, so timing does not reveal which accounts exist.
def dummy_verify(password):
    verify_password(_dummy_hash(), password)


_DUMMY = {}


def _dummy_hash():
    key = (current_app.config["PASSWORD_TIME_COST"], current_app.config["PASSWORD_MEMORY_KIB"])
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password")
    return _DUMMY[key]
