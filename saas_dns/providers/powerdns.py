"""PowerDNS authoritative server through its HTTP API (v1)."""
import requests

from .base import DnsError, DnsProvider, Record, absolute, check_record, quote_txt, unquote_txt


class PowerDns(DnsProvider):
    kind = "powerdns"

    def __init__(self, api_url, api_key, server_id="localhost", timeout=15, session=None):
        self.api_url = api_url.rstrip("/")
        self.server_id = server_id
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"X-API-Key": api_key, "Accept": "application/json"})

    def _zone_url(self, zone):
        return f"{self.api_url}/api/v1/servers/{self.server_id}/zones/{absolute(zone)}."

    def _call(self, method, url, **kw):
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kw)
        except requests.RequestException as exc:
            raise DnsError(f"PowerDNS at {self.api_url} unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("error") or response.text
            except ValueError:
                detail = response.text
            raise DnsError(f"PowerDNS refused {method} ({response.status_code}): {detail[:300]}")
        return response

    def ensure_zone(self, zone, nameservers=()):
        """Create the zone when missing (Native, no nameserver records)."""
        zone = absolute(zone)
        url = f"{self.api_url}/api/v1/servers/{self.server_id}/zones"
        if any(z["name"] == zone + "." for z in self._call("GET", url).json()):
            return False
        self._call("POST", url, json={"name": zone + ".", "kind": "Native",
                                      "nameservers": [ns.rstrip(".") + "." for ns in nameservers]})
        return True

    @staticmethod
    def _content(rtype, value):
        if rtype == "TXT":
            return quote_txt(value)
        if rtype == "CNAME":
            return value.rstrip(".") + "."
        return value

    def replace_record(self, zone, name, rtype, values, ttl=300):
        name, values = check_record(name, rtype, values, zone)
        self._call("PATCH", self._zone_url(zone), json={"rrsets": [{
            "name": name + ".", "type": rtype, "ttl": int(ttl), "changetype": "REPLACE",
            "records": [{"content": self._content(rtype, v), "disabled": False}
                        for v in values]}]})
        return None

    def delete_record(self, zone, name, rtype):
        name, _values = check_record(name, rtype, ["-"], zone)
        self._call("PATCH", self._zone_url(zone), json={"rrsets": [{
            "name": name + ".", "type": rtype, "changetype": "DELETE"}]})

    def list_records(self, zone):
        data = self._call("GET", self._zone_url(zone)).json()
        records = []
        for rrset in data.get("rrsets", []):
            rtype = rrset["type"]
            values = []
            for rec in rrset.get("records", []):
                content = rec["content"]
                if rtype == "TXT":
                    content = unquote_txt(content)
                elif rtype == "CNAME":
                    content = content.rstrip(".")
                values.append(content)
            records.append(Record(rrset["name"].rstrip(".").lower(), rtype,
                                  tuple(sorted(values)), rrset.get("ttl", 0)))
        return records
