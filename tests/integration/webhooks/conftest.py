from tests.support.fixtures import customer_app  # noqa: F401
