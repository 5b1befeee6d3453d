from . import test_crons, test_router
