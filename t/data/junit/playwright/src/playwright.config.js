// @ts-check
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: './tests',
  retries: 1,
  workers: 1,
  reporter: [['list'], ['junit', { outputFile: 'report.xml' }]],
  // No projects with browsers: these tests never use the page/browser fixtures.
});
