-- Fitness goal types.
with final as (
    select goal_key, goal_type, description from ref_goals
    where goal_key not in (select goal_key from lake_dim_fitness_goal)
)

select * from final
