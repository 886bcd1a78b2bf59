#!/usr/bin/env python3
"""Fill in one of gatehouse's built-in login or consent forms, for bench/run.sh.

bench/run.sh walks the authorization-code flow once through the HTML pages with curl and a
cookie jar, to get the session and the remembered consent that cases e and f start from; this
script only reads a page (stdin) and says what a browser would submit. It relies on the form
contract of DESIGN.md and nothing else:
  login    the <form> with inputs "username" and "password": every hidden input as it is,
           the given username and password, a "remember" checkbox ticked if there is one, and
           the first submit button that has a name and is not a cancel button;
  consent  the <form> with submit buttons name="decision": every hidden input, every
           name="scope" checkbox ticked (all requested scopes granted), the "remember"
           checkbox ticked, and decision=allow.
Output, three lines: the method, the absolute action URL (resolved against --base), and the
application/x-www-form-urlencoded body. Exit status 1 (with a message) when the page has no
such form.

usage: formfill.py login|consent --base URL_OF_THE_PAGE [--username U --password P] < page.html
"""
import argparse
import sys
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin


class Forms(HTMLParser):
    """Collects every form: its attributes, inputs and buttons (no nesting in HTML)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.cur = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.cur = {"attrs": a, "inputs": [], "buttons": []}
            self.forms.append(self.cur)
        elif self.cur is not None and tag == "input":
            self.cur["inputs"].append(a)
        elif self.cur is not None and tag == "button":
            self.cur["buttons"].append(a)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None


def names(form):
    return {i.get("name") for i in form["inputs"]} | {b.get("name") for b in form["buttons"]}


def submit_buttons(form):
    return [b for b in form["buttons"] if b.get("type", "submit") == "submit" and b.get("name")] + [
        i for i in form["inputs"] if i.get("type") == "submit" and i.get("name")
    ]


def fill(form, kind, username, password):
    fields = []
    for i in form["inputs"]:
        name = i.get("name")
        if not name:
            continue
        typ = i.get("type", "text").lower()
        if typ == "hidden":
            fields.append((name, i.get("value", "")))
        elif kind == "login" and name == "username":
            fields.append((name, username))
        elif kind == "login" and name == "password":
            fields.append((name, password))
        elif typ == "checkbox" and name in ("scope", "remember"):
            fields.append((name, i.get("value", "on") or "on"))
        elif typ == "checkbox" and "checked" in i:
            fields.append((name, i.get("value", "on") or "on"))
        elif typ in ("text", "email") and i.get("value"):
            fields.append((name, i["value"]))
    if kind == "consent":
        fields.append(("decision", "allow"))
    else:
        for b in submit_buttons(form):
            if "cancel" not in b.get("value", "").lower():
                fields.append((b["name"], b.get("value", "")))
                break
    return fields


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=("login", "consent"))
    p.add_argument("--base", required=True)
    p.add_argument("--username", default="")
    p.add_argument("--password", default="")
    args = p.parse_args()

    parser = Forms()
    parser.feed(sys.stdin.read())
    want = {"username", "password"} if args.kind == "login" else {"decision"}
    form = next((f for f in parser.forms if want <= names(f)), None)
    if form is None:
        print(f"formfill.py: no {args.kind} form on the page (forms: {len(parser.forms)})", file=sys.stderr)
        return 1
    method = form["attrs"].get("method", "get").upper()
    action = urljoin(args.base, form["attrs"].get("action", ""))
    print(method)
    print(action)
    print(urlencode(fill(form, args.kind, args.username, args.password)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
