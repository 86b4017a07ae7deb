"""The one error type a service problem surfaces as: a sentence a person can act on."""


class ServiceError(RuntimeError):
    """A service could not be reached or started; the message says what to do."""
