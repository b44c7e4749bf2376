// The plan page's file picker: reads the chosen CSV into the text box the form sends, so
// no upload format is needed. Without JavaScript the text box takes pasted cells as well.
for (const input of document.querySelectorAll('input[type=file][data-fills]')) {
  const target = document.getElementById(input.dataset.fills);
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file || !target) return;
    target.value = await file.text();
  });
}
