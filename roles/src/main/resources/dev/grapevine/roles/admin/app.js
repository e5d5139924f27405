// Live view of one Grapevine node: members from the /v1/stream Server-Sent Events (snapshot, member, removed,
// user-event). With ?live=poll in the page's address, or where EventSource is missing, it polls /v1/members every
// two seconds instead: headless Chromium's --virtual-time-budget stands still while any request is open, so a
// stream would keep --dump-dom from ever finishing. Plain DOM, no framework; all data goes in through textContent
// and dataset, never as HTML. Stable hooks for tests: table#members[data-ready][data-mode][data-snapshots]
// [data-updates], one tr.member[data-name][data-status][data-role] per member (id "member-" + name),
// span#member-count[data-count].
'use strict';
(function () {
  const MAX_EVENTS = 50;
  const rows = new Map();
  const tbody = document.getElementById('member-rows');
  const table = document.getElementById('members');
  const count = document.getElementById('member-count');
  const statusCounts = document.getElementById('status-counts');
  const connection = document.getElementById('connection');
  const eventList = document.getElementById('events');

  function cell(tr, cls) {
    const td = document.createElement('td');
    td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function upsert(m) {
    let tr = rows.get(m.name);
    if (!tr) {
      tr = document.createElement('tr');
      tr.className = 'member';
      ['name', 'role', 'status', 'health', 'address', 'tags'].forEach(c => cell(tr, c));
      let before = null;
      for (const [name, row] of rows) {
        if (name > m.name && (before === null || name < before.dataset.name)) {
          before = row;
        }
      }
      tbody.insertBefore(tr, before);
      rows.set(m.name, tr);
    }
    const tags = m.tags || {};
    tr.id = 'member-' + m.name;
    tr.dataset.name = m.name;
    tr.dataset.status = m.status;
    tr.dataset.role = tags.role || '';
    tr.querySelector('.name').textContent = m.name;
    tr.querySelector('.role').textContent = tags.role || '';
    tr.querySelector('.status').textContent = m.status;
    tr.querySelector('.health').textContent = tags.health || '';
    tr.querySelector('.address').textContent = (m.address.indexOf(':') >= 0 ? '[' + m.address + ']' : m.address)
      + ':' + m.port;
    tr.querySelector('.tags').textContent = Object.keys(tags).sort().map(k => k + '=' + tags[k]).join(' ');
  }

  function remove(name) {
    const tr = rows.get(name);
    if (tr) {
      tr.remove();
      rows.delete(name);
    }
  }

  function replaceAll(members) {
    const keep = new Set(members.map(m => m.name));
    for (const name of Array.from(rows.keys())) {
      if (!keep.has(name)) {
        remove(name);
      }
    }
    members.forEach(upsert);
    table.dataset.ready = 'true';
    table.dataset.snapshots = String(Number(table.dataset.snapshots || '0') + 1);
  }

  function counted(apply) {
    return e => {
      apply(JSON.parse(e.data));
      table.dataset.updates = String(Number(table.dataset.updates || '0') + 1);
      recount();
    };
  }

  function recount() {
    count.textContent = String(rows.size);
    count.dataset.count = String(rows.size);
    const by = {};
    for (const tr of rows.values()) {
      by[tr.dataset.status] = (by[tr.dataset.status] || 0) + 1;
    }
    statusCounts.textContent = Object.keys(by).sort().map(s => by[s] + ' ' + s).join(', ');
  }

  function addEvent(e) {
    const li = document.createElement('li');
    li.dataset.name = e.name;
    li.dataset.ltime = String(e.ltime);
    li.textContent = e.received + '  ' + e.name + ' (ltime ' + e.ltime + ', ' + e.encoding + '): ' + e.payload;
    eventList.insertBefore(li, eventList.firstChild);
    while (eventList.children.length > MAX_EVENTS) {
      eventList.removeChild(eventList.lastChild);
    }
  }

  function setConnection(state, text) {
    connection.dataset.state = state;
    connection.textContent = text;
  }

  function getJson(path) {
    return fetch(path, {cache: 'no-store'}).then(r => r.json());
  }

  function refreshHealth() {
    fetch('v1/health', {cache: 'no-store'}).then(r => r.json()).then(h => {
      const el = document.getElementById('health');
      el.dataset.healthy = String(h.healthy);
      el.textContent = h.healthy ? 'healthy' : 'unhealthy: ' + h.problems.join('; ');
    }).catch(() => {});
  }

  function poll() {
    getJson('v1/members').then(list => {
      replaceAll(list);
      recount();
      setConnection('polling', 'polling');
    }).catch(() => setConnection('down', 'node unreachable'));
  }

  getJson('v1/self').then(self => {
    const el = document.getElementById('self');
    el.dataset.name = self.name;
    el.textContent = self.name + ' (' + ((self.tags || {}).role || 'no role') + ')';
    document.title = 'Grapevine: ' + self.name;
  }).catch(() => {});
  getJson('v1/events').then(list => list.forEach(addEvent)).catch(() => {});
  refreshHealth();
  setInterval(refreshHealth, 5000);

  const polling = new URLSearchParams(window.location.search).get('live') === 'poll' || !window.EventSource;
  table.dataset.mode = polling ? 'poll' : 'stream';
  if (!polling) {
    const source = new EventSource('v1/stream');
    source.onopen = () => setConnection('live', 'live');
    source.onerror = () => setConnection('reconnecting', 'reconnecting…');
    source.addEventListener('snapshot', e => {
      replaceAll(JSON.parse(e.data).members);
      recount();
    });
    source.addEventListener('member', counted(upsert));
    source.addEventListener('removed', counted(m => remove(m.name)));
    source.addEventListener('user-event', e => addEvent(JSON.parse(e.data)));
  } else {
    poll();
    setInterval(poll, 2000);
  }
})();
