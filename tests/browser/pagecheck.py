"""Reading a report page back: elements by tag and class, the embedded JSON,
and every reference that would need the network."""
import html.parser
import json


class Page(html.parser.HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []      # (tag, attrs dict)
        self.data_json = None
        self._in_data = False
        self._buf = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag == 'script' and a.get('id') == 'report-data':
            self._in_data = True

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._in_data:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == 'script' and self._in_data:
            self._in_data = False
            self.data_json = json.loads(''.join(self._buf))

    def count(self, tag=None, cls=None):
        return sum(1 for t, a in self.elements
                   if (tag is None or t == tag) and (cls is None or cls in a.get('class', '').split()))

    def external_refs(self):
        """src/href/xlink:href values that point off the page."""
        bad = []
        for t, a in self.elements:
            for k in ('src', 'href', 'xlink:href'):
                v = a.get(k)
                if v and not v.startswith(('#', 'data:', 'blob:')):
                    bad.append((t, k, v))
            if t == 'link':
                bad.append((t, 'link', a.get('href')))
        return bad
