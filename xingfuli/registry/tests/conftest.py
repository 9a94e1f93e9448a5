import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The personas log in with force_login; argon2 only slows the world's set-up here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
