-- Order lines, typed: every line of the orders staged in this run.
with source as (
    select * from {{ source('order_items') }}
),

final as (
    select
        -- ids
        order_id,
        line_no,
        product_id,
        -- measures
        quantity,
        round(unit_price, 2) as unit_price,
        round(discount_amount, 2) as discount_amount,
        round(net_amount, 2) as net_amount
    from source
    qualify row_number() over (partition by order_id, line_no) = 1
)

select * from final
