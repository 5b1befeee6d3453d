from . import test_dns
