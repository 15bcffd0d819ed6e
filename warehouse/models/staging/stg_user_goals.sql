-- Each user's current fitness goal.
with source as (
    select * from {{ source('user_goals') }}
),

final as (
    select
        left(sha256(getvariable('pseudonym_key') || ':' || user_id), 16) as user_pseudonym,
        goal_type,
        target_workouts_per_week,
        cast(updated_at as timestamp) as updated_at
    from source
    qualify row_number() over (partition by user_id order by cast(updated_at as timestamp) desc) = 1
)

select * from final
