"""Walking an Omnisend workflow's blocks for one run, until it waits or ends.

A run's position is a stack of [blocks, next index] frames: a split or A/B block pushes the chosen
branch, and when the branch is done the frame below resumes with the blocks after the split, which
is how branches re-converge. A delay that ends later schedules one job on the sandbox scheduler and
returns; the job resumes the walk at its due time, so waiting costs nothing until it is due."""
from __future__ import annotations

import datetime as _dt
from functools import partial
from typing import TYPE_CHECKING

from simulator.core.timefmt import iso
from simulator.engine import filters, messages
from simulator.engine.choice import takes_first
from simulator.engine.durations import resolve_delay
from simulator.engine.omnisend_contacts import contact_holds, personalization, reach
from simulator.engine.omnisend_email import email_body
from simulator.engine.omnisend_workflow import runs_of
from simulator.engine.runs import Run
from simulator.engine.templating import render
from simulator.engine.webhooks import traced
from simulator.omnisend.automations import automations_of
from simulator.omnisend.brand import Brand
from simulator.omnisend.contacts import Contact, contacts_of

if TYPE_CHECKING:
    from simulator.engine.omnisend import OmnisendRuntime

CHANNELS = {"sendEmail": "email", "sendSms": "sms", "sendPush": "push"}
ENGAGEMENT = {"openedEmail": ("open", "email"), "clickedEmail": ("click", "email"), "clickedSms": ("click", "sms"),
              "openedPush": ("open", "push"), "clickedPush": ("click", "push")}


class BlockWalker:
    def __init__(self, runtime: "OmnisendRuntime"):
        self.runtime = runtime
        self.engine = runtime.engine
        self.handlers = {"delay": self.delay, "action": self.action, "split": self.split, "abTesting": self.ab_test}

    # -- the walk ----------------------------------------------------------------------------

    def start(self, brand: Brand, run: Run, first_due: _dt.datetime | None = None) -> None:
        """Begin at the first block; `first_due` is the end of a first delay already resolved
        (enrolment of existing contacts times it from their original event)."""
        run.stack = [[run.workflow.blocks, 0]]
        if first_due is not None:
            run.stack[0][1] = 1
            block = run.workflow.blocks[0]
            if not self.wait(brand, run, block, first_due, "enrolled on enable; the delay counts from the trigger event"):
                return
        self.proceed(brand, run)

    def proceed(self, brand: Brand, run: Run) -> None:
        while run.status == "active" and run.stack:
            frame = run.stack[-1]
            blocks, index = frame
            if index >= len(blocks):
                run.stack.pop()
                continue
            frame[1] = index + 1
            block = blocks[index]
            handler = self.handlers.get(block.get("type"))
            if handler is not None and not handler(brand, run, block):
                return
        if run.status == "active":
            self.runtime.finish(brand, run, "completed", "reached the end of the workflow")

    def resume(self, brand: Brand, run: Run) -> None:
        run.job = None
        if run.status == "active":
            self.proceed(brand, run)

    def wait(self, brand: Brand, run: Run, block: dict, due: _dt.datetime, why: str = "") -> bool:
        """Wait at a delay block until `due`; True when there is nothing to wait for."""
        now = self.engine.clock.now()
        if due <= now:
            run.step(block.get("id"), "delay", now, "waited", "no wait")
            return True
        run.step(block.get("id"), "delay", now, "waited", f"until {iso(due)}" + (f"; {why}" if why else ""))
        run.job = self.engine.scheduler.at(due, partial(self.resume, brand, run), label=f"run {run.id}")
        return False

    # -- blocks ------------------------------------------------------------------------------

    def delay(self, brand: Brand, run: Run, block: dict) -> bool:
        due = resolve_delay(self.engine.clock.now(), block.get("delay") or {}, self.runtime.tz(brand))
        return self.wait(brand, run, block, due)

    def split(self, brand: Brand, run: Run, block: dict) -> bool:
        split = block.get("split") or {}
        contact = self.contact(brand, run)
        holds = filters.group_holds(split.get("filterGroup"), lambda rule: self.split_rule(brand, run, contact, rule))
        branch = split.get("trueBlocks" if holds else "falseBlocks") or []
        reason = "true: the split's filters hold" if holds else "false: the split's filters do not hold"
        run.step(block.get("id"), "split", self.engine.clock.now(), "branched", reason)
        if branch:
            run.stack.append([branch, 0])
        return True

    def split_rule(self, brand: Brand, run: Run, contact: Contact, rule: dict) -> bool:
        kind = rule.get("type")
        if kind == "event":
            return filters.matches(run.trigger_event.get("properties") or {}, rule)
        if kind == "contact":
            return contact_holds(brand, contact, rule)
        if kind == "message":
            engagement, channel = ENGAGEMENT.get(rule.get("operator"), (None, None))
            message = self.engine.outbox.get(run.sent.get(rule.get("value"), ""))
            return (message is not None and message.channel == channel
                    and messages.engaged(message, engagement, rule.get("urlMatch")))
        return False

    def ab_test(self, brand: Brand, run: Run, block: dict) -> bool:
        ab = block.get("abTesting") or {}
        share = ab.get("aBlocksPercentage", 50)
        first = takes_first(self.engine.seed, share, brand.id, run.workflow_id, block.get("id"), run.contact_id)
        run.step(block.get("id"), "abTesting", self.engine.clock.now(), "branched",
                 f"variant {'A' if first else 'B'} ({share}% go to A)")
        branch = ab.get("aBlocks" if first else "bBlocks") or []
        if branch:
            run.stack.append([branch, 0])
        return True

    def action(self, brand: Brand, run: Run, block: dict) -> bool:
        action = block.get("action") or {}
        kind = action.get("type")
        config = action.get(kind) or {}
        if kind in CHANNELS:
            return self.send(brand, run, block, kind, config)
        if kind == "sendWebhook":
            return self.webhook(brand, run, block, config)
        if kind in ("addTag", "removeTag"):
            return self.tag(brand, run, block, kind, config)
        return True

    # -- actions -----------------------------------------------------------------------------

    def send(self, brand: Brand, run: Run, block: dict, kind: str, config: dict) -> bool:
        now = self.engine.clock.now()
        contact = self.contact(brand, run)
        channel = CHANNELS[kind]
        thresholds = run.workflow.settings.get("sendingThresholds") or {}
        recipient, why = reach(contact, channel, thresholds, runs_of(brand).push.get(contact.id))
        if recipient is None:
            if config.get("isSkipAllowed", True) is not False:
                run.step(block.get("id"), kind, now, "skipped", why)
                return True
            run.step(block.get("id"), kind, now, "cancelled", f"{why}; isSkipAllowed is false")
            self.runtime.finish(brand, run, "cancelled", why)
            return False
        properties = run.trigger_event.get("properties") or {}
        subject = render(config.get("subject"), personalization(contact), properties)
        html = text = None
        if channel == "email":
            automation = automations_of(brand).find(run.workflow_id)
            html, text = email_body(subject or "", properties, automation.utm_tags(block) if automation else {})
        message = messages.send(self.engine.outbox, brand.ids, vendor="omnisend", account=brand.id, channel=channel,
                                recipient=recipient, workflow_id=run.workflow_id, workflow_name=run.workflow_name,
                                step_id=block.get("id") or "", subject=subject if channel == "email" else None, now=now,
                                html=html, text=text)
        run.sent[block.get("id")] = message.id
        run.step(block.get("id"), kind, now, "sent", why, message_id=message.id)
        return True

    def webhook(self, brand: Brand, run: Run, block: dict, config: dict) -> bool:
        contact, event = personalization(self.contact(brand, run)), run.trigger_event.get("properties") or {}
        url = config.get("callbackUrl") or ""
        headers = {"Content-Type": "application/json"}
        headers.update({h.get("key", ""): render(h.get("value", ""), contact, event) for h in config.get("headers") or []})
        body = render(config.get("body") or "", contact, event)
        call = traced(self.engine.webhooks, url, headers, body)
        run.step(block.get("id"), "sendWebhook", self.engine.clock.now(), "sent", f"POST {url}", webhook=call)
        return True

    def tag(self, brand: Brand, run: Run, block: dict, kind: str, config: dict) -> bool:
        now = self.engine.clock.now()
        contact = self.contact(brand, run)
        value = str(config.get("value") or "").lower()
        had = any(tag.lower() == value for tag in contact.tags)
        if kind == "addTag" and not had:
            contact.tags.append(value)
        elif kind == "removeTag" and had:
            contact.tags = [tag for tag in contact.tags if tag.lower() != value]
        changed = had != (kind == "addTag")
        if changed:
            contact.updated_at = now
            brand.contact_changed(contact.id)
        verb = "added" if kind == "addTag" else "removed"
        run.step(block.get("id"), kind, now, "applied",
                 f"tag {value!r} {verb}" if changed else f"tag {value!r} was already {'there' if had else 'absent'}")
        return True

    @staticmethod
    def contact(brand: Brand, run: Run) -> Contact:
        return contacts_of(brand).get(run.contact_id)
