/* amp_dashboard: the download of a resource reaches CKAN's tracking.
 *
 * CKAN's tracking.js posts a click on a.resource-url-analytics with a
 * 30 ms timeout, and the page then leaves for the file: the request is
 * often cut before the server reads it (seen on `make run`), so the
 * download is not counted. The same record goes here with
 * navigator.sendBeacon, which the browser delivers after the page has gone.
 * A visitor recorded twice is counted once: `ckan tracking update` counts
 * distinct visitors per address and day.
 */
(function () {
  'use strict';
  if (!navigator.sendBeacon || !window.URLSearchParams) {
    return;
  }
  document.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ?
      event.target.closest('a.resource-url-analytics') : null;
    if (!link) {
      return;
    }
    var root = document.body.getAttribute('data-site-root') || '/';
    navigator.sendBeacon(root + '_tracking',
      new URLSearchParams({url: link.getAttribute('href'), type: 'resource'}));
  }, true);
}());
