// The Connect page's button, and the outcome page telling a popup's opener. Served from
// the gateway itself (the pages' CSP allows no other script); talks only to this origin.
(function () {
  'use strict';
  var origin = window.location.origin;

  function show(text) {
    var message = document.getElementById('message');
    if (message) {
      message.textContent = text;
      message.hidden = false;
    }
  }

  function settle(status, code) {
    var pill = document.getElementById('status');
    if (!pill) return;
    pill.className = 'pill ' + (status === 'authorized' ? 'success' : 'error');
    pill.textContent = status === 'authorized' ? 'Connected' : 'Not connected (' + (code || 'error') + ')';
  }

  var button = document.getElementById('connect');
  if (button) {
    // The token is in the page's address: keep it out of the history once read.
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, '', window.location.pathname);
    }
    window.addEventListener('message', function (event) {
      if (event.origin !== origin || !event.data || event.data.source !== 'patchbay-connect') return;
      settle(event.data.status, event.data.code);
      button.disabled = false;
    });
    button.addEventListener('click', function () {
      var popup = button.getAttribute('data-popup') === 'true' ?
        window.open('', 'patchbay-connect', 'width=520,height=720') : null;
      button.disabled = true;
      var query = '?mode=direct&redirectUrl=' + encodeURIComponent(button.getAttribute('data-redirect'));
      fetch('/v1/s/connection/authorization' + query, {
        method: 'POST',
        headers: { 'x-session-token': button.getAttribute('data-session') },
        credentials: 'omit',
        cache: 'no-store'
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (!answer.ok || !answer.body.authorizationUrl) {
          throw new Error(answer.body && answer.body.message ? answer.body.message : 'the request failed');
        }
        if (popup) {
          popup.location.href = answer.body.authorizationUrl;
        } else {
          window.location.assign(answer.body.authorizationUrl);
        }
      }).catch(function (error) {
        if (popup) popup.close();
        button.disabled = false;
        show('Could not start: ' + error.message);
      });
    });
  }

  var outcome = document.getElementById('outcome');
  if (outcome && window.opener && !window.opener.closed) {
    window.opener.postMessage({
      source: 'patchbay-connect',
      status: outcome.getAttribute('data-status'),
      code: outcome.getAttribute('data-code')
    }, origin);
    window.setTimeout(function () { window.close(); }, 1500);
  }
}());
