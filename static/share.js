// The private link's buttons: copy it (where the browser lets a page write the clipboard) and
// share it through the phone's own sheet (Zalo, Messenger, SMS), where the phone has one.
// Without them the link is there to select and copy by hand.
for (const box of document.querySelectorAll('.share')) {
  const status = box.querySelector('[role=status]');
  const copy = box.querySelector('[data-copy]');
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener('click', async () => {
      const link = document.getElementById(copy.dataset.copy);
      try {
        await navigator.clipboard.writeText(link.href);
        status.textContent = copy.dataset.done;
      } catch {
        window.getSelection().selectAllChildren(link);
      }
    });
  }
  const share = box.querySelector('[data-share]');
  if (share && navigator.share) {
    share.hidden = false;
    share.addEventListener('click', () => {
      navigator.share({ title: share.dataset.title, url: share.dataset.share }).catch(() => {});
    });
  }
}
