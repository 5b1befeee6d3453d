/** @odoo-module **/
// Storage quota banner: the server adds "saas_storage_warning" to the
// session info once the instance uses 90 % of its plan's storage
// (saas_tenant/limits.py storage_warning); shown once per page load.
import { registry } from "@web/core/registry";
import { session } from "@web/session";

export const saasStorageBannerService = {
    dependencies: ["notification"],
    start(env, { notification }) {
        const message = session.saas_storage_warning;
        if (message) {
            notification.add(message, {
                title: "Storage",
                type: "warning",
                sticky: true,
                className: "o_saas_storage_warning",
            });
        }
    },
};

registry.category("services").add("saas_storage_banner", saasStorageBannerService);
