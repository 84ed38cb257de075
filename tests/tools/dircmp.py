#!/usr/bin/env python3
# tests/tools/dircmp.py - compare two directories entry by entry.
# Usage: dircmp.py A.ldif B.ldif  (unwrapped LDIF, as ldapsearch -o ldif-wrap=no)
# Entries are matched by DN (case-insensitive); each entry's attribute values
# are compared as sets (attribute names case-insensitive, values exact).
# Prints the entry count, or every difference; exit 0 if equal, 1 if not.
import re
import sys

# DN-valued attributes: distinguishedNameMatch ignores the case of attribute
# type names (slapd stores what it was given: CN= from an LDIF, cn= from a
# syncrepl consumer), so type names are compared in lower case.
DN_ATTRS = {"member", "memberof", "objectcategory", "distinguishedname",
            "wellknownobjects", "otherwellknownobjects", "ncname", "managedby",
            "manager", "creatorsname", "modifiersname", "defaultobjectcategory",
            "serverreference", "msds-allowedtodelegateto_dn"}
TYPE_RE = re.compile(r"(^|,|:)\s*([A-Za-z][A-Za-z0-9-]*)=")


def norm(attr, value):
    if attr in DN_ATTRS:
        return TYPE_RE.sub(lambda m: m.group(1) + m.group(2).lower() + "=", value.strip())
    return value


def load(path):
    entries, cur, dn = {}, None, None
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f.read().split("\n") + [""]:
            if line.startswith("#"):
                continue
            if line == "":
                if dn is not None:
                    entries[dn.lower()] = cur
                cur, dn = None, None
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise SystemExit("%s: not LDIF: %r" % (path, line[:80]))
            if dn is None:
                if name.lower() != "dn":
                    raise SystemExit("%s: entry without dn" % path)
                dn, cur = value.strip(), {}
                continue
            cur.setdefault(name.lower(), set()).add(norm(name.lower(), value))
    return entries


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    diffs = []
    for dn in sorted(set(a) | set(b)):
        if dn not in a or dn not in b:
            diffs.append("%s: only on %s" % (dn, "B" if dn not in a else "A"))
            continue
        for attr in sorted(set(a[dn]) | set(b[dn])):
            va, vb = a[dn].get(attr, set()), b[dn].get(attr, set())
            if va != vb:
                diffs.append("%s: %s: A %s B %s" % (dn, attr, sorted(va - vb)[:3], sorted(vb - va)[:3]))
    for d in diffs[:40]:
        print(d)
    if diffs:
        print("%d differences" % len(diffs))
        return 1
    print("%d entries, equal" % len(a))
    return 0


sys.exit(main())
