/* Marks the page as scripted before it is drawn, so that CSS can hide what app.js will toggle
   (the phone menu) without a flash. A file rather than an inline script: CSP forbids inline code. */
document.documentElement.classList.add("js");
