#!/usr/bin/python3
# tests/tools/gsstsig.py - a GSS-TSIG client (dnspython + python-gssapi, a
# real Kerberos ticket) that plays the attacker against the DNS server:
#   tkey ADDR PORT CCACHE SERVICE      one TKEY exchange with a ticket for
#                                      SERVICE (e.g. DNS@dc1.example.com)
#   replay ADDR PORT CCACHE NAME       send a signed UPDATE adding NAME, then
#                                      the very same bytes again; prints the
#                                      rcode of each
#   evict ADDR PORT VICTIM_CC ATTACKER_CC N NAME
#                                      the victim makes a key and updates;
#                                      the attacker makes N keys; the victim
#                                      updates again with its key; prints the
#                                      rcode of both victim updates and how
#                                      many attacker keys were made
import socket
import struct
import sys
import time
import uuid

import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TKEY
import dns.tsig
import dns.update
import gssapi

ZONE = "example.com"
SERVICE = "DNS@dc1.example.com"
FLAGS = (gssapi.RequirementFlag.mutual_authentication
         | gssapi.RequirementFlag.replay_detection
         | gssapi.RequirementFlag.out_of_sequence_detection
         | gssapi.RequirementFlag.integrity)


def tcp_exchange(addr, port, wire):
    with socket.create_connection((addr, port), timeout=10) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        head = b""
        while len(head) < 2:
            chunk = s.recv(2 - len(head))
            if not chunk:
                raise OSError("connection closed")
            head += chunk
        (n,) = struct.unpack("!H", head)
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                raise OSError("connection closed")
            data += chunk
        return data


def udp_exchange(addr, port, wire):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(10)
        s.sendto(wire, (addr, port))
        return s.recv(65535)


def rcode_of(resp):
    return dns.rcode.to_text(resp[3] & 0xF)


def negotiate(addr, port, ccache, service=SERVICE):
    """One TKEY exchange; returns (keyring, keyname) with a complete key."""
    creds = gssapi.Credentials(usage="initiate", store={"ccache": ccache})
    name = gssapi.Name(service, gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=name, creds=creds, usage="initiate",
                                 flags=FLAGS)
    keyname = dns.name.from_text("%s.sig-dc1.%s" % (uuid.uuid4().hex, ZONE))
    token = ctx.step()
    now = int(time.time())
    tkey = dns.rdtypes.ANY.TKEY.TKEY(dns.rdataclass.ANY, dns.rdatatype.TKEY,
                                     dns.tsig.GSS_TSIG, now, now + 86400, 3,
                                     0, token)
    q = dns.message.make_query(keyname, dns.rdatatype.TKEY,
                               dns.rdataclass.ANY)
    rrset = q.find_rrset(q.additional, keyname, dns.rdataclass.ANY,
                         dns.rdatatype.TKEY, create=True)
    rrset.add(tkey)
    key = dns.tsig.Key(keyname, ctx, dns.tsig.GSS_TSIG)
    keyring = dns.tsig.GSSTSigAdapter({keyname: key})
    wire = tcp_exchange(addr, port, q.to_wire())
    resp = dns.message.from_wire(wire, keyring=keyring, request_mac=b"")
    if resp.rcode() != 0 or not ctx.complete:
        raise RuntimeError("TKEY failed: %s" % dns.rcode.to_text(resp.rcode()))
    return keyring, keyname


def signed_update(keyring, keyname, name, addr):
    u = dns.update.UpdateMessage(ZONE)
    u.add(name, 600, "A", addr)
    u.use_tsig(keyring, keyname, algorithm=dns.tsig.GSS_TSIG)
    return u.to_wire()


def cmd_replay(addr, port, ccache, name):
    keyring, keyname = negotiate(addr, port, ccache)
    wire = signed_update(keyring, keyname, name, "10.0.0.61")
    print("first", rcode_of(udp_exchange(addr, port, wire)))
    print("replay", rcode_of(udp_exchange(addr, port, wire)))
    return 0


def cmd_evict(addr, port, victim_cc, attacker_cc, n, name):
    vring, vname = negotiate(addr, port, victim_cc)
    wire = signed_update(vring, vname, name, "10.0.0.62")
    print("victim-before", rcode_of(udp_exchange(addr, port, wire)))
    made = 0
    for _ in range(n):
        negotiate(addr, port, attacker_cc)
        made += 1
    print("attacker-keys", made)
    wire = signed_update(vring, vname, name, "10.0.0.63")
    print("victim-after", rcode_of(udp_exchange(addr, port, wire)))
    return 0


def cmd_tkey(addr, port, ccache, service):
    negotiate(addr, port, ccache, service)
    print("key made")
    return 0


def main(argv):
    try:
        if len(argv) == 5 and argv[0] == "tkey":
            return cmd_tkey(argv[1], int(argv[2]), argv[3], argv[4])
        if len(argv) == 5 and argv[0] == "replay":
            return cmd_replay(argv[1], int(argv[2]), argv[3], argv[4])
        if len(argv) == 7 and argv[0] == "evict":
            return cmd_evict(argv[1], int(argv[2]), argv[3], argv[4],
                             int(argv[5]), argv[6])
    except (OSError, RuntimeError, gssapi.exceptions.GSSError,
            dns.exception.DNSException) as e:
        print("gsstsig: %s" % e, file=sys.stderr)
        return 1
    print("usage: gsstsig.py tkey ADDR PORT CCACHE SERVICE | replay ADDR PORT CCACHE NAME | "
          "evict ADDR PORT VICTIM_CC ATTACKER_CC N NAME", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
