"""The agent graph: from the start, straight to the agent the runtime chose (see
``agents.router``); one agent runs. Nodes are small functions in their own
modules; this file only wires them."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agents.inventory.clerk import inventory_clerk
from agents.reactivation.node import reactivation
from agents.reception.node import receptionist
from agents.router import INVENTORY, REACTIVATION, RECEPTIONIST, SALES, next_node, unavailable
from agents.sales.node import sales_funnel
from agents.state import AgentState, TurnContext

Graph = CompiledStateGraph[AgentState, TurnContext, AgentState, AgentState]


def build_graph(checkpointer: BaseCheckpointSaver[str] | None) -> Graph:
    graph = StateGraph(AgentState, context_schema=TurnContext)
    graph.add_node(INVENTORY, inventory_clerk)
    graph.add_node(RECEPTIONIST, receptionist)
    graph.add_node(REACTIVATION, reactivation)
    graph.add_node(SALES, sales_funnel)
    graph.add_node("unavailable", unavailable)
    graph.add_conditional_edges(
        START, next_node, [INVENTORY, RECEPTIONIST, REACTIVATION, SALES, "unavailable"]
    )
    graph.add_edge(INVENTORY, END)
    graph.add_edge(RECEPTIONIST, END)
    graph.add_edge(REACTIVATION, END)
    graph.add_edge(SALES, END)
    graph.add_edge("unavailable", END)
    return graph.compile(checkpointer=checkpointer)
