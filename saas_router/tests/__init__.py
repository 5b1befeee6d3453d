from . import test_router
