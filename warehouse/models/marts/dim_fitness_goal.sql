-- Fitness goal types.
with final as (
    select goal_key, goal_type, description from {{ ref('goal_types') }}
    where goal_key not in (select goal_key from {{ this }})
)

select * from final
