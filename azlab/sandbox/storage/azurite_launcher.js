// Runs Azurite's blob and queue services (and its table service, which starts with them) in this Node process and adds storage accounts while it runs.
//
// Azurite reads its accounts from process.env.AZURITE_ACCOUNTS, which nothing outside
// the process can change. This launcher keeps the account list, and on a request to its
// loopback control port updates the variable and refreshes every account store at once.
"use strict";
const http = require("http");
const path = require("path");

const azurite = process.env.AZLAB_AZURITE_DIR;
const AccountDataStore = require(path.join(azurite, "dist/src/common/AccountDataStore.js")).default;

const stores = [];
const init = AccountDataStore.prototype.init;
AccountDataStore.prototype.init = async function () {
  stores.push(this);
  return init.call(this);
};

const accounts = new Map();
for (const entry of (process.env.AZURITE_ACCOUNTS || "").split(";")) {
  const [name, key] = entry.split(":");
  if (name && key) accounts.set(name, key);
}

function publish() {
  process.env.AZURITE_ACCOUNTS = [...accounts].map(([name, key]) => `${name}:${key}`).join(";");
  for (const store of stores) store.refresh();
}

const control = http.createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    try {
      const { name, key } = JSON.parse(body || "{}");
      if (request.method === "POST" && request.url === "/accounts" && name && key) {
        accounts.set(name, key);
      } else if (request.method === "DELETE" && request.url === "/accounts" && name) {
        accounts.delete(name);
      } else {
        response.writeHead(400).end("expected POST or DELETE /accounts with name and key");
        return;
      }
      publish();
      response.writeHead(200).end("ok");
    } catch (error) {
      response.writeHead(400).end(String(error));
    }
  });
});

// Azurite closes its servers on these signals; the control port must not keep Node alive.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => control.close());

control.listen(0, "127.0.0.1", () => {
  console.log(`AZLAB_CONTROL_PORT=${control.address().port}`);
  process.argv = [process.argv[0], "azurite", ...process.argv.slice(2)];
  require(path.join(azurite, "dist/src/azurite.js"));
});
