"""Cloudflare DNS through its v4 API, with the official ``cloudflare`` client."""
from .base import DnsError, DnsProvider, Record, absolute, check_record, unquote_txt

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"


class Cloudflare(DnsProvider):
    kind = "cloudflare"

    def __init__(self, api_token, base_url=None, client=None, timeout=20):
        if client is None:
            import cloudflare  # noqa: PLC0415
            client = cloudflare.Cloudflare(api_token=api_token, base_url=base_url or DEFAULT_BASE_URL,
                                           timeout=timeout, max_retries=1)
        self.client = client
        self._zone_ids = {}

    def _call(self, what, func, *args, **kw):
        import cloudflare  # noqa: PLC0415

        try:
            return func(*args, **kw)
        except cloudflare.APIStatusError as exc:
            raise DnsError(f"Cloudflare refused {what} ({exc.status_code}): "
                           f"{str(exc)[:300]}") from exc
        except cloudflare.APIError as exc:
            raise DnsError(f"Cloudflare unreachable for {what}: {type(exc).__name__}") from exc

    def zone_id(self, zone):
        zone = absolute(zone)
        if zone not in self._zone_ids:
            zones = list(self._call("zones.list", self.client.zones.list, name=zone))
            if not zones:
                raise DnsError(f"Cloudflare has no zone {zone}")
            self._zone_ids[zone] = zones[0].id
        return self._zone_ids[zone]

    def _existing(self, zone_id, name, rtype):
        return list(self._call("dns.records.list", self.client.dns.records.list,
                               zone_id=zone_id, name={"exact": name}, type=rtype))

    def replace_record(self, zone, name, rtype, values, ttl=300):
        name, values = check_record(name, rtype, values, zone)
        zone_id = self.zone_id(zone)
        existing = self._existing(zone_id, name, rtype)
        records = self.client.dns.records
        for value, current in zip(values, existing):
            if unquote_txt(current.content or "") != value or current.ttl != ttl:
                self._call("dns.records.update", records.update, current.id, zone_id=zone_id,
                           name=name, type=rtype, content=value, ttl=int(ttl), proxied=False)
        for value in values[len(existing):]:
            self._call("dns.records.create", records.create, zone_id=zone_id, name=name,
                       type=rtype, content=value, ttl=int(ttl), proxied=False)
        for current in existing[len(values):]:
            self._call("dns.records.delete", records.delete, current.id, zone_id=zone_id)
        return None

    def delete_record(self, zone, name, rtype):
        name, _values = check_record(name, rtype, ["-"], zone)
        zone_id = self.zone_id(zone)
        for current in self._existing(zone_id, name, rtype):
            self._call("dns.records.delete", self.client.dns.records.delete, current.id,
                       zone_id=zone_id)

    def list_records(self, zone):
        grouped = {}
        for rec in self._call("dns.records.list", self.client.dns.records.list,
                              zone_id=self.zone_id(zone)):
            key = (rec.name.lower().rstrip("."), rec.type)
            value = unquote_txt(rec.content or "") if rec.type == "TXT" else rec.content
            grouped.setdefault(key, ([], rec.ttl))[0].append(value)
        return [Record(name, rtype, tuple(sorted(values)), ttl)
                for (name, rtype), (values, ttl) in grouped.items()]
