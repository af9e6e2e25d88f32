"""Errors the shop's functions raise; app/main.py turns them into HTTP answers (scaffolding)."""


class NotFound(Exception):
    """A user, product or order that does not exist: 404."""


class InvoiceMismatch(Exception):
    """An order whose stored total disagrees with its lines and shipping: 409."""


class ShippingUnavailable(Exception):
    """The shipping-quote service failed or did not answer: 502."""
