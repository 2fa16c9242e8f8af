-- mod_banya: banya's anti-spam decisions in front of Prosody's chat messages.
--
-- Every chat message between two local users is asked of banya first (POST /v1/messages as the
-- sender, which decides with the send gate and, when it allows, records the message); a refusal
-- goes back to the sender as a policy-violation stanza error with banya's text in the stanza's
-- language. Rosters (subscriptions) are banya's contacts, XEP-0191 blocks its blocks, XEP-0377
-- reports its reports; spambot@<host> is banya's SpamBot. See README.md next to this file.
--
-- Requests to banya wait with util.async inside the sender's session thread: that session waits,
-- the event loop does not.

local async = require "util.async";
local http = require "net.http";
local json = require "util.json";
local jid_split = require "util.jid".split;
local jid_bare = require "util.jid".bare;
local jid_prep = require "util.jid".prep;
local st = require "util.stanza";
local now = require "util.time".now;
local um = require "core.usermanager";
local rm = require "core.rostermanager";
local storagemanager = require "core.storagemanager";

local host = module.host;
local base_url = assert(module:get_option_string("banya_url"), "banya_url is required"):gsub("/+$", "");
local platform_key = assert(module:get_option_string("banya_platform_key"), "banya_platform_key is required");
local timeout = module:get_option_number("banya_timeout", 2);
-- "open": when banya cannot answer (down, timed out, 5xx), messages are delivered; "closed": refused.
local fail_mode = module:get_option_string("banya_fail", "open");
local spambot_node = module:get_option_string("banya_spambot_node", "spambot");
local max_text = module:get_option_number("banya_max_text", 4096);
local evidence_size = module:get_option_number("banya_evidence_messages", 10);
-- After banya failed to answer, it is not asked again for this many seconds (the failure mode decides).
local retry_after = module:get_option_number("banya_retry_after", 5);

local NS_ERR = "urn:ietf:params:xml:ns:xmpp-stanzas";
local NS_BANYA = "urn:banya:restriction:0";
local NS_BLOCKING = "urn:xmpp:blocking";
local NS_REPORTING_1 = "urn:xmpp:reporting:1";
local NS_REPORTING_0 = "urn:xmpp:reporting:0";

local store = module:open_store("banya");
local accounts = {}; -- username → { id = "u12", token = "..." }
local mirrored = {}; -- "owner other" → whether banya has `other` among owner's contacts
local seen = {}; -- "to from" → banya ids of the last messages `from` sent `to` (evidence)
local buttons = {}; -- username → SpamBot's last buttons, flattened, for numbered answers

local function lang_of(stanza)
	local l = stanza and stanza.attr["xml:lang"];
	if l and l:lower():match("^ru") then return "ru"; end
	return "en";
end

--- One HTTP request to banya, waited for in the current async thread. Answers
--- { status = n, body = decoded or nil }, status 0 when banya could not be reached in time.
local down_until = 0;

local function call(method, path, token, body, lang)
	if now() < down_until then return { status = 0, skipped = true }; end
	local started = now();
	local wait, done = async.waiter();
	local result, finished = nil, false;
	local headers = {
		["Authorization"] = "Bearer " .. token;
		["Accept-Language"] = lang or "en";
		["Content-Type"] = "application/json";
	};
	local encoded = body and json.encode(body) or nil;
	local req = http.request(base_url .. path, { method = method, headers = headers, body = encoded }, function (resp_body, code)
		if finished then return; end
		finished = true;
		local decoded = nil;
		if type(resp_body) == "string" and resp_body ~= "" then decoded = json.decode(resp_body); end
		result = { status = tonumber(code) or 0, body = decoded, answered = now() };
		done();
	end);
	local timer = module:add_timer(timeout, function ()
		if finished then return; end
		finished = true;
		result = { status = 0, timeout = true };
		if type(req) == "table" and req.conn then req.conn:close(); end
		done();
	end);
	wait();
	timer:stop();
	module:log("debug", "banya: %s %s → %s in %.1f ms (answer after %.1f ms)", method, path, tostring(result.status), (now() - started) * 1000, ((result.answered or now()) - started) * 1000);
	if result.status == 0 then
		down_until = now() + retry_after;
		module:log("warn", "banya: no answer from %s (%s); asking again in %ss", base_url, result.timeout and "timeout" or "unreachable", tostring(retry_after));
	end
	return result;
end

local function error_code(r)
	return r and type(r.body) == "table" and type(r.body.error) == "table" and r.body.error.code or nil;
end

-- The refined name of a validation failure (`400 BAD_REQUEST`, `details.reason`), if any.
local function error_reason(r)
	local e = r and type(r.body) == "table" and type(r.body.error) == "table" and r.body.error or nil;
	return e and type(e.details) == "table" and e.details.reason or nil;
end

--- Runs `f` in a thread of its own (for work no stanza waits for).
local function background(f)
	local runner = async.runner(function (job) job(); end, {
		error = function (_, err) module:log("warn", "banya: background job failed: %s", tostring(err)); end;
	});
	runner:run(f);
end

local forget; -- defined below

--- The account of local user `username` in banya: registered on first need (platform id = the
--- bare JID), then kept with its token in Prosody's storage. A fresh registration mirrors the
--- user's roster and blocklist.
local function ensure(username)
	local rec = accounts[username];
	if rec then return rec; end
	rec = store:get(username);
	if rec and rec.id and rec.token then
		accounts[username] = rec;
		return rec;
	end
	local jid = username .. "@" .. host;
	local r = call("POST", "/v1/accounts", platform_key, { platformId = jid, name = username });
	if r.status == 400 and error_code(r) == "NAME_INVALID" then
		r = call("POST", "/v1/accounts", platform_key, { platformId = jid, name = "User " .. tostring(#username) });
	end
	local id, token;
	if r.status == 201 then
		id, token = r.body.account.id, r.body.token;
	elseif r.status == 409 and error_code(r) == "PLATFORM_ID_TAKEN" then
		id = r.body.error.details.accountId;
		local t = call("POST", "/v1/accounts/" .. id .. "/tokens", platform_key);
		if t.status ~= 201 then return nil, t; end
		token = t.body.token;
	else
		return nil, r;
	end
	rec = { id = id, token = token };
	accounts[username] = rec;
	store:set(username, rec);
	if r.status == 201 then
		-- An existing Prosody user met for the first time: what it already has counts from now.
		local roster = rm.load_roster(username, host) or {};
		for contact, item in pairs(roster) do
			if type(contact) == "string" and (item.subscription == "both" or item.subscription == "to") then
				local node, h = jid_split(contact);
				if h == host and node and um.user_exists(node, host) and ensure(node) then
					call("POST", "/v1/contacts", token, { platformId = contact });
					mirrored[username .. " " .. node] = true;
				end
			end
		end
		local blocklist = storagemanager.open(host, "blocklist"):get(username) or {};
		for blocked in pairs(blocklist) do
			if type(blocked) == "string" then
				local node, h = jid_split(blocked);
				if h == host and node and um.user_exists(node, host) and ensure(node) then
					call("POST", "/v1/blocks", token, { platformId = blocked });
				end
			end
		end
	end
	return rec;
end

forget = function (username)
	accounts[username] = nil;
	store:set(username, nil);
end

--- A request as local user `username`; a token banya no longer knows is replaced once.
local function as_user(username, method, path, body, lang)
	local rec, err = ensure(username);
	if not rec then return err or { status = 0 }; end
	local r = call(method, path, rec.token, body, lang);
	if r.status == 401 and error_code(r) == "UNAUTHORIZED" then
		forget(username);
		rec, err = ensure(username);
		if not rec then return err or { status = 0 }; end
		r = call(method, path, rec.token, body, lang);
	end
	return r;
end

local function subscribed(owner, other)
	local roster = rm.load_roster(owner, host);
	local item = roster and roster[other .. "@" .. host];
	return item ~= nil and (item.subscription == "both" or item.subscription == "to");
end

--- Tells banya whether `owner` has `other` as a contact (subscribed to its presence), when that
--- differs from what it was last told. A subscription in both directions is a mutual contact.
local function mirror_contact(owner, other)
	local want = subscribed(owner, other);
	local k = owner .. " " .. other;
	if mirrored[k] == want then return; end
	local r;
	if want then
		r = as_user(owner, "POST", "/v1/contacts", { platformId = other .. "@" .. host });
	else
		local o = ensure(other);
		if not o then return; end
		r = as_user(owner, "DELETE", "/v1/contacts/" .. o.id);
	end
	if r.status >= 200 and r.status < 300 then mirrored[k] = want; end
end

local function remember(to, from, message_id)
	local k = to .. " " .. from;
	local list = seen[k] or {};
	list[#list + 1] = message_id;
	if #list > evidence_size then table.remove(list, 1); end
	seen[k] = list;
end

--- The text banya gets: at most max_text characters (UTF-8 aware).
local function clip(text)
	if utf8.len(text) and utf8.len(text) > max_text then
		return text:sub(1, utf8.offset(text, max_text + 1) - 1);
	end
	return text;
end

local function refuse(origin, stanza, r, lang)
	local e = r.body and r.body.error or {};
	local details = type(e.details) == "table" and e.details or {};
	local reply = st.reply(stanza);
	reply.attr.type = "error";
	reply:tag("error", { type = "cancel" })
		:tag("policy-violation", { xmlns = NS_ERR }):up()
		:tag("text", { xmlns = NS_ERR, ["xml:lang"] = lang }):text(e.message or "Refused by the anti-spam service."):up()
		:tag("restricted", {
			xmlns = NS_BANYA;
			code = e.code or "REFUSED";
			["until"] = type(details["until"]) == "string" and details["until"] or nil;
			["retry-after"] = details.retryAfter and tostring(details.retryAfter) or nil;
		}):up();
	origin.send(reply);
	return true;
end

local function unreachable(origin, stanza, lang)
	if fail_mode == "closed" then
		local text = lang == "ru" and "Сообщение не отправлено: служба защиты от спама недоступна. Попробуйте позже."
			or "Not sent: the anti-spam service is unavailable. Please try again later.";
		origin.send(st.error_reply(stanza, "wait", "service-unavailable", text));
		return true;
	end
	return nil; -- fail open: deliver
end

-- SpamBot ----------------------------------------------------------------------------------

local function spambot_say(origin, text, list)
	local body = text;
	local flat = {};
	for _, row in ipairs(list or {}) do
		for _, label in ipairs(row) do flat[#flat + 1] = label; end
	end
	if #flat > 0 then
		local lines = {};
		for i, label in ipairs(flat) do lines[#lines + 1] = i .. ". " .. label; end
		body = body .. "\n\n" .. table.concat(lines, "\n");
	end
	buttons[origin.username] = flat;
	origin.send(st.message({ from = spambot_node .. "@" .. host, to = origin.full_jid, type = "chat" }):text_tag("body", body));
end

local function to_spambot(origin, stanza, text)
	local lang = lang_of(stanza);
	local choice = tonumber(text:match("^%s*(%d+)%s*$") or "");
	local flat = buttons[origin.username];
	if choice and flat and flat[choice] then text = flat[choice]; end
	local r = as_user(origin.username, "POST", "/v1/messages", { to = { username = "spambot" }, text = clip(text) }, lang);
	if r.status ~= 201 then
		local e = r.body and r.body.error;
		spambot_say(origin, e and e.message or (lang == "ru" and "SpamBot сейчас недоступен." or "SpamBot is unavailable right now."));
		return true;
	end
	local m = r.body.message;
	local page = as_user(origin.username, "GET", "/v1/chats/" .. m.chatId .. "/messages?after=" .. m.id, nil, lang);
	for _, answer in ipairs(page.body and page.body.messages or {}) do
		if answer.from ~= m.from then spambot_say(origin, answer.text, answer.buttons); end
	end
	return true;
end

-- The gate ---------------------------------------------------------------------------------

local function on_message(event)
	local origin, stanza = event.origin, event.stanza;
	if origin.type ~= "c2s" or not origin.username then return; end
	local kind = stanza.attr.type or "normal";
	if kind ~= "chat" and kind ~= "normal" then return; end
	local text = stanza:get_child_text("body");
	if not text then return; end -- chat states, receipts, markers: not messages
	local to_node, to_host = jid_split(stanza.attr.to);
	if to_host ~= host or not to_node then return; end -- other servers and the host itself: not gated
	local from_node = origin.username;
	if to_node == from_node then return; end
	if not async.ready() then return unreachable(origin, stanza, lang_of(stanza)); end
	if to_node == spambot_node then return to_spambot(origin, stanza, text); end
	if not um.user_exists(to_node, host) then return; end -- Prosody answers that itself
	local lang = lang_of(stanza);
	if not (ensure(from_node) and ensure(to_node)) then return unreachable(origin, stanza, lang); end
	mirror_contact(from_node, to_node);
	mirror_contact(to_node, from_node);
	local r = as_user(from_node, "POST", "/v1/messages", { to = { platformId = to_node .. "@" .. host }, text = clip(text) }, lang);
	if r.status == 201 then
		remember(to_node, from_node, r.body.message.id);
		return; -- recorded by banya; Prosody delivers it
	end
	if r.status == 0 or r.status >= 500 then return unreachable(origin, stanza, lang); end
	if r.status == 400 and error_reason(r) ~= "PHONE_NUMBER_INVALID" then return; end -- nothing banya decides on (an empty text)
	return refuse(origin, stanza, r, lang);
end

module:hook("pre-message/bare", on_message, 200);
module:hook("pre-message/full", on_message, 200);

-- Blocks and reports (XEP-0191, XEP-0377) ------------------------------------------------------

local REASONS = {
	["urn:xmpp:reporting:spam"] = "spam";
	["urn:xmpp:reporting:abuse"] = "other";
};

local function report_of(item)
	local report = item:get_child("report", NS_REPORTING_1) or item:get_child("report", NS_REPORTING_0);
	if not report then return nil; end
	local reason = REASONS[report.attr.reason or ""];
	if not reason then reason = report:get_child("abuse") and "other" or "spam"; end
	return { reason = reason, comment = report:get_child_text("text") };
end

--- Mirrors a block or unblock into banya before mod_blocklist applies it (it runs after us), so
--- that the next message is decided with it.
local function on_block(event)
	local origin, stanza = event.origin, event.stanza;
	if not async.ready() then return; end
	local action = stanza.tags[1];
	local username = origin.username;
	local items = {};
	for item in action:childtags("item") do
		local jid = jid_prep(item.attr.jid or "");
		local node, h = jid_split(jid or "");
		if jid and h == host and node and node ~= username and um.user_exists(node, host) then
			items[#items + 1] = { node = node, jid = jid_bare(jid), report = report_of(item) };
		end
	end
	if action.name == "unblock" and #items == 0 and not action:get_child("item") then
		-- Unblock everything: what the blocklist holds now.
		for blocked in pairs(storagemanager.open(host, "blocklist"):get(username) or {}) do
			local node, h = jid_split(type(blocked) == "string" and blocked or "");
			if h == host and node then items[#items + 1] = { node = node, jid = blocked }; end
		end
	end
	for _, it in ipairs(items) do
		if ensure(it.node) then
			if action.name == "block" then
				local done = false;
				if it.report then
					local body = { platformId = it.jid, reason = it.report.reason, block = true };
					if it.report.comment and it.report.comment ~= "" then body.comment = it.report.comment:sub(1, 1000); end
					local ids = seen[username .. " " .. it.node];
					if ids and #ids > 0 then body.messageIds = ids; end
					local r = as_user(username, "POST", "/v1/reports", body);
					if r.status == 400 and body.messageIds then
						-- A message taken down since: let banya pick the evidence itself.
						body.messageIds = nil;
						r = as_user(username, "POST", "/v1/reports", body);
					end
					done = r.status == 200 or r.status == 201;
					if done then seen[username .. " " .. it.node] = nil; end
					module:log("info", "banya: report by %s about %s: %d %s", username, it.jid, r.status, tostring(error_code(r) or ""));
				end
				if not done then as_user(username, "POST", "/v1/blocks", { platformId = it.jid }); end
			else
				as_user(username, "DELETE", "/v1/blocks/" .. accounts[it.node].id);
			end
		end
	end
end

module:hook("iq-set/self/urn:xmpp:blocking:block", on_block, 10);
module:hook("iq-set/self/urn:xmpp:blocking:unblock", on_block, 10);

-- Registration and deletion ---------------------------------------------------------------------

module:hook("user-registered", function (event)
	local username = event.username;
	background(function () ensure(username); end);
end);

module:hook_global("user-deleted", function (event)
	if event.host ~= host then return; end
	local username = event.username;
	local rec = accounts[username] or store:get(username);
	if not rec then return; end
	background(function ()
		call("DELETE", "/v1/me", rec.token);
		forget(username);
	end);
end);

module:log("info", "banya: asking %s before every local chat message (timeout %ss, fail-%s)", base_url, tostring(timeout), fail_mode);
