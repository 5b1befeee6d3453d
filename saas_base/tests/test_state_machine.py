"""Every allowed and every refused instance state transition, and the actions."""

from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.saas_instance import ALLOWED_TRANSITIONS, STATES
from .common import SaasCase

STATE_NAMES = [state for state, _label in STATES]
LABELS = dict(STATES)


# at_install: these exercise saas_base's own hooks, before saas_provisioning
# (when installed) overrides them with the real work
@tagged("at_install")
class TestStateMachine(SaasCase):
    def test_transition_table_properties(self):
        """What the table must guarantee (not the table written twice):
        every state has a row and only names states; terminated is final;
        every other state can still end (terminated) and, but for a
        finished one, reach active; nothing goes back to draft; a database
        is only made (provisioning) from draft or after a failure."""
        self.assertEqual(set(ALLOWED_TRANSITIONS), set(STATE_NAMES))
        self.assertIs(self.Instance.ALLOWED_TRANSITIONS, ALLOWED_TRANSITIONS)
        for old, targets in ALLOWED_TRANSITIONS.items():
            self.assertLessEqual(targets, set(STATE_NAMES), old)
            self.assertNotIn(old, targets, f"{old} -> {old} is no move")

        def reachable(state):
            seen, todo = set(), [state]
            while todo:
                for nxt in ALLOWED_TRANSITIONS[todo.pop()] - seen:
                    seen.add(nxt)
                    todo.append(nxt)
            return seen

        self.assertEqual(ALLOWED_TRANSITIONS["terminated"], set())
        for state in set(STATE_NAMES) - {"terminated"}:
            self.assertIn("terminated", reachable(state), state)
            self.assertIn("active", reachable(state), state)
        self.assertFalse(any("draft" in targets for targets in ALLOWED_TRANSITIONS.values()))
        self.assertEqual({old for old, targets in ALLOWED_TRANSITIONS.items()
                          if "provisioning" in targets}, {"draft", "failed"})

    def test_every_transition(self):
        allowed = refused = 0
        for old in STATE_NAMES:
            for new in STATE_NAMES:
                with self.subTest(old=old, new=new):
                    instance = self._create_instance(f"sm-{old}-{new}", state=old)
                    messages = len(instance.message_ids)
                    if new in ALLOWED_TRANSITIONS[old]:
                        allowed += 1
                        instance._set_state(new, message="because of a test")
                        self.assertEqual(instance.state, new)
                        self.assertEqual(len(instance.message_ids), messages + 1)
                        body = instance.message_ids[0].body
                        self.assertIn(LABELS[old], body)
                        self.assertIn(LABELS[new], body)
                        self.assertIn("because of a test", body)
                    else:
                        refused += 1
                        with self.assertRaises(UserError) as ctx:
                            instance._set_state(new)
                        # the message names both states
                        self.assertIn(LABELS[old], str(ctx.exception))
                        self.assertIn(LABELS[new], str(ctx.exception))
                        self.assertEqual(instance.state, old)
                        self.assertEqual(len(instance.message_ids), messages)
        # every pair was tried, and the table both allows and refuses moves
        self.assertEqual(allowed + refused, len(STATE_NAMES) ** 2)
        self.assertTrue(allowed and refused)

    def test_refused_on_recordset_changes_nothing(self):
        ok = self._create_instance("batch-ok", state="active")
        bad = self._create_instance("batch-bad", state="terminated")
        with self.assertRaises(UserError):
            (ok | bad)._set_state("suspended")
        self.assertEqual(ok.state, "active")
        self.assertEqual(bad.state, "terminated")

    def test_provision_lifecycle(self):
        instance = self._create_instance("life-shop")
        self.assertFalse(instance.server_id)
        instance.action_provision()
        self.assertEqual(instance.state, "active")
        self.assertEqual(instance.server_id, self.server)  # default server setting
        self.assertEqual(instance.activation_date, fields.Date.context_today(instance))
        instance.action_suspend()
        self.assertEqual(instance.state, "suspended")
        instance.action_reactivate()
        self.assertEqual(instance.state, "active")
        instance.action_terminate()
        self.assertEqual(instance.state, "terminated")
        actions = ("action_provision", "action_suspend", "action_reactivate", "action_terminate")
        for action in actions:
            with self.subTest(action=action), self.assertRaises(UserError):
                getattr(instance, action)()
        self.assertEqual(instance.state, "terminated")

    def test_backfill_activation_date(self):
        """saas_base 18.0.1.2.0's migration: instances live before the
        activation date was recorded get the day they were created."""
        live = self._create_instance("bf-active", state="active")
        stopped = self._create_instance("bf-suspended", state="suspended")
        dead = self._create_instance("bf-terminated", state="terminated")
        fresh = self._create_instance("bf-draft")
        known = self._create_instance("bf-known", state="active")
        known._write_state_machine({"activation_date": "2024-05-06"})
        instances = live | stopped | dead | fresh | known
        self.env.flush_all()
        self.env.cr.execute("UPDATE saas_instance SET create_date = '2024-03-02 12:00'"
                            " WHERE id IN %s", [tuple(instances.ids)])
        instances.invalidate_recordset()
        self.assertEqual(self.Instance._backfill_activation_date() & instances, live | stopped)
        self.assertEqual(instances.mapped("activation_date"), [
            fields.Date.to_date("2024-03-02"), fields.Date.to_date("2024-03-02"),
            False, False, fields.Date.to_date("2024-05-06")])
        self.assertFalse(self.Instance._backfill_activation_date() & instances, "once")

    def test_fail_and_retry(self):
        instance = self._create_instance(
            "fail-shop", state="provisioning", server_id=self.server.id
        )
        instance.action_mark_failed()
        self.assertEqual(instance.state, "failed")
        instance.action_provision()
        self.assertEqual(instance.state, "active")
        with self.assertRaises(UserError):
            instance.action_fail("boom")

    def test_refused_actions(self):
        cases = {
            "draft": ["action_suspend", "action_reactivate", "action_mark_failed"],
            "provisioning": [
                "action_provision",
                "action_suspend",
                "action_reactivate",
                "action_terminate",
            ],
            "active": ["action_provision", "action_reactivate", "action_mark_failed"],
            "suspended": ["action_provision", "action_suspend", "action_mark_failed"],
            "failed": ["action_suspend", "action_reactivate", "action_mark_failed"],
        }
        for state, actions in cases.items():
            for action in actions:
                with self.subTest(state=state, action=action):
                    subdomain = f"ra-{state}-{action[7:].replace('_', '-')}"
                    instance = self._create_instance(subdomain, state=state)
                    with self.assertRaises(UserError):
                        getattr(instance, action)()
                    self.assertEqual(instance.state, state)

    def test_actions_call_hooks(self):
        """saas_provisioning overrides the hooks: the actions must go through them."""
        Model = type(self.Instance)
        for state, action, hook in (
            ("draft", "action_provision", "_hook_provision"),
            ("active", "action_suspend", "_hook_suspend"),
            ("suspended", "action_reactivate", "_hook_reactivate"),
            ("active", "action_terminate", "_hook_terminate"),
        ):
            with self.subTest(action=action):
                instance = self._create_instance(f"hook-{action[7:]}", state=state)
                with patch.object(Model, hook, autospec=True, return_value=True) as mocked:
                    getattr(instance, action)()
                mocked.assert_called_once()
                # the (mocked) hook did nothing, so neither did the action
                self.assertEqual(instance.state, state)

    def test_provision_without_server(self):
        self.server.max_instances = 1
        self._create_instance("fills-server", state="active", server_id=self.server.id)
        instance = self._create_instance("nowhere")
        with self.assertRaisesRegex(UserError, "No server"):
            instance.action_provision()
        self.assertEqual(instance.state, "draft")
        self.assertFalse(instance.server_id)

    def test_unlink(self):
        live = self._create_instance("live-del", state="active")
        with self.assertRaisesRegex(UserError, "terminate it"):
            live.unlink()
        draft = self._create_instance("draft-del")
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_color(self):
        colors = {
            state: self._create_instance(f"color-{state}", state=state).color
            for state in STATE_NAMES
        }
        self.assertEqual(colors["active"], 10)
        self.assertEqual(colors["failed"], 1)
        self.assertEqual(len(set(colors.values())), len(STATE_NAMES))
