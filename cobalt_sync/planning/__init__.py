"""Planning: desired State vs live State → a Plan (`planner`, pure), the steps plan, apply
and check share (`pipeline`: environment guard, read, dashboard steps), `--target`, impact,
the offline promotion diff and saved plans. No writes, and nothing here imports `applying`."""
