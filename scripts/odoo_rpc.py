"""XML-RPC to a running Odoo server, as an administrator would (dev tools,
end-to-end tests, benchmarks)."""
import time
import xmlrpc.client


class Rpc:
    def __init__(self, url, db, login, password):
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise RuntimeError(f"cannot log in {login} on {db}")
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
        self.db, self.password = db, password

    def __call__(self, model, method, *args, **kw):
        return self.models.execute_kw(self.db, self.uid, self.password, model, method,
                                      list(args), kw)

    def wait(self, model, rec_id, field, values, timeout=120, interval=0.02):
        """Poll until ``field`` of the record is in ``values``; return it."""
        deadline = time.time() + timeout
        while True:
            value = self(model, "read", [rec_id], [field])[0][field]
            if value in values or time.time() > deadline:
                return value
            time.sleep(interval)
