#!/usr/bin/env python3
# bench/replication/populate.py - N users for slapadd, cloned from one real user.
# usage: populate.py TEMPLATE.ldif N FIRST_RID > users.ldif
# TEMPLATE.ldif: one user entry as slapcat prints it (-o ldif-wrap=no), made by
# `minidc user add` so every attribute the DC completes is there.  Each copy
# gets its own DN, names, objectSid (the domain's SID, RID FIRST_RID + i) and
# objectGUID; slapcat's operational attributes are dropped so slapadd makes
# them anew (entryUUID, entryCSN).  The keys are the template's: the copies
# exist to be replicated, not to log in.
import base64
import os
import sys

tmpl, n, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
drop = {"entryuuid", "entrycsn", "creatorsname", "createtimestamp", "modifiersname",
        "modifytimestamp", "structuralobjectclass", "objectguid", "objectsid", "dn", "cn",
        "samaccountname", "userprincipalname"}
lines = [l for l in open(tmpl).read().splitlines() if l and not l.startswith("#")]
attrs = [l for l in lines if l.split(":", 1)[0].lower() not in drop]
dn = next(l for l in lines if l.lower().startswith("dn: "))[4:]
name = next(l for l in lines if l.lower().startswith("samaccountname: "))[16:]
parent = dn.split(",", 1)[1]
upn_dom = next(l for l in lines if l.lower().startswith("userprincipalname: ")).split("@", 1)[1]
sid = base64.b64decode(next(l for l in lines if l.lower().startswith("objectsid:: "))[12:])
prefix = sid[:-4]  # revision, count, authority, sub-authorities but the RID
out = sys.stdout
for i in range(n):
    u = "u%06d" % i
    rid = (first + i).to_bytes(4, "little")
    out.write("dn: cn=%s,%s\ncn: %s\nsAMAccountName: %s\nuserPrincipalName: %s@%s\n" %
              (u, parent, u, u, u, upn_dom))
    out.write("objectSid:: %s\nobjectGUID:: %s\n" %
              (base64.b64encode(prefix + rid).decode(), base64.b64encode(os.urandom(16)).decode()))
    out.write("\n".join(attrs))
    out.write("\n\n")
