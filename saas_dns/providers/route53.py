"""Amazon Route53 through boto3 (any endpoint: moto's server in tests)."""
import time

from .base import DnsError, DnsProvider, Record, absolute, check_record, quote_txt, unquote_txt


class Route53(DnsProvider):
    kind = "route53"

    def __init__(self, access_key=None, secret_key=None, endpoint_url=None,
                 region="us-east-1", client=None, poll_interval=2):
        if client is None:
            import boto3  # noqa: PLC0415
            client = boto3.client("route53", aws_access_key_id=access_key or None,
                                  aws_secret_access_key=secret_key or None,
                                  endpoint_url=endpoint_url or None, region_name=region)
        self.client = client
        self.poll_interval = poll_interval
        self._zone_ids = {}

    def _call(self, method, **kw):
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            return getattr(self.client, method)(**kw)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise DnsError(f"Route53 refused {method}: {error.get('Code')} "
                           f"{error.get('Message', '')[:300]}") from exc
        except BotoCoreError as exc:
            raise DnsError(f"Route53 unreachable: {type(exc).__name__}") from exc

    def zone_id(self, zone):
        zone = absolute(zone)
        if zone not in self._zone_ids:
            found = self._call("list_hosted_zones_by_name", DNSName=zone + ".", MaxItems="1")
            for hosted in found.get("HostedZones", []):
                if hosted["Name"].rstrip(".").lower() == zone:
                    self._zone_ids[zone] = hosted["Id"].rsplit("/", 1)[-1]
                    break
            else:
                raise DnsError(f"Route53 has no hosted zone {zone}")
        return self._zone_ids[zone]

    def ensure_zone(self, zone):
        try:
            self.zone_id(zone)
            return False
        except DnsError:
            self._call("create_hosted_zone", Name=absolute(zone) + ".",
                       CallerReference=f"saas-{zone}-{time.time()}")
            return True

    @staticmethod
    def _value(rtype, value):
        return quote_txt(value) if rtype == "TXT" else value

    def _change(self, zone, action, name, rtype, values, ttl):
        return self._call("change_resource_record_sets", HostedZoneId=self.zone_id(zone),
                          ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": {
                              "Name": name + ".", "Type": rtype, "TTL": int(ttl),
                              "ResourceRecords": [{"Value": self._value(rtype, v)}
                                                  for v in values]}}]})["ChangeInfo"]["Id"]

    def replace_record(self, zone, name, rtype, values, ttl=300):
        name, values = check_record(name, rtype, values, zone)
        return self._change(zone, "UPSERT", name, rtype, values, ttl)

    def delete_record(self, zone, name, rtype):
        name, _values = check_record(name, rtype, ["-"], zone)
        current = self.get_record(zone, name, rtype)
        if current is None:
            return None
        # Route53 deletes only the exact record set as it is
        return self._change(zone, "DELETE", name, rtype, current.values, current.ttl)

    def list_records(self, zone):
        records, kw = [], {"HostedZoneId": self.zone_id(zone)}
        while True:
            page = self._call("list_resource_record_sets", **kw)
            for rrset in page["ResourceRecordSets"]:
                rtype = rrset["Type"]
                values = [r["Value"] for r in rrset.get("ResourceRecords", [])]
                if rtype == "TXT":
                    values = [unquote_txt(v) for v in values]
                name = rrset["Name"].rstrip(".").lower().replace("\\052", "*")
                records.append(Record(name, rtype, tuple(sorted(values)), rrset.get("TTL", 0)))
            if not page.get("IsTruncated"):
                return records
            kw.update(StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"])

    def wait(self, change, timeout=60):
        if not change:
            return True
        deadline = time.monotonic() + timeout
        while True:
            status = self._call("get_change", Id=change)["ChangeInfo"]["Status"]
            if status == "INSYNC":
                return True
            if time.monotonic() > deadline:
                raise DnsError(f"Route53 change {change} still {status} after {timeout}s")
            time.sleep(self.poll_interval)
