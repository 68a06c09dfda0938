"""retinue-agentchat: preset agents, teams, termination conditions and the Console."""
