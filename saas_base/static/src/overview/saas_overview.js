/** @odoo-module **/
// The operator's overview (client action "saas_overview"): sections of
// figures, charts and records, all computed on the server
// (saas.overview.get_overview); charts drawn with Odoo's bundled Chart.js,
// loaded lazily as Odoo's graph view does.

import { Component, onMounted, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

export class SaasOverviewChart extends Component {
    static template = "saas_base.SaasOverviewChart";
    static props = { item: Object };

    setup() {
        this.canvas = useRef("canvas");
        onWillStart(() => loadBundle("web.chartjs_lib")); // loaded already by the overview
        onMounted(() => this.draw());
        onWillUnmount(() => this.chart && this.chart.destroy());
    }

    draw() {
        const item = this.props.item;
        const kind = item.kind;
        const datasets = item.datasets.map((ds, index) => ({
            label: ds.label,
            data: ds.data,
            backgroundColor: kind === "line" ? "transparent" : PALETTE[index % PALETTE.length],
            borderColor: PALETTE[index % PALETTE.length],
            borderWidth: kind === "line" ? 2 : 0,
            tension: 0.2,
        }));
        const scales = {
            y: { beginAtZero: true, ...(item.percent ? { suggestedMax: 100 } : {}) },
        };
        this.chart = new Chart(this.canvas.el, {
            type: kind,
            data: { labels: item.labels, datasets },
            options: {
                maintainAspectRatio: false,
                animation: false,
                scales,
                plugins: { legend: { display: datasets.length > 1 } },
            },
        });
    }
}

export class SaasOverview extends Component {
    static template = "saas_base.SaasOverview";
    static components = { SaasOverviewChart };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ sections: [] });
        // Chart.js (lazily, as the graph view) while the figures are read
        onWillStart(() => Promise.all([this.load(), loadBundle("web.chartjs_lib")]));
    }

    async load() {
        this.state.sections = await this.orm.call("saas.overview", "get_overview", []);
    }

    open(item) {
        if (item.action) {
            this.action.doAction(item.action);
        }
    }

    openRecord(row) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: row.model,
            res_id: row.id,
            views: [[false, "form"]],
            target: "current",
        });
    }

    async refresh() {
        await this.load();
    }
}

registry.category("actions").add("saas_overview", SaasOverview);
